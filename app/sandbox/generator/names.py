"""US given names and surnames with rough frequencies, by naming tradition.

Weights are relative frequencies (per 100k people for surnames, after the 2010 Census
surname table; given names after SSA data for adults). Accented, apostrophe, space and
hyphen spellings are deliberate: every character must be cp1252-encodable because the
DMS extract is written in cp1252.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sandbox.generator.fmt import Obj, objects


def _parse(spec: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    names: list[str] = []
    weights: list[float] = []
    for item in spec.replace("\n", ",").split(","):
        item = item.strip()
        if item:
            name, _, weight = item.rpartition(" ")
            names.append(name)
            weights.append(float(weight))
    return tuple(names), tuple(weights)


_GENERAL_MALE = """
James 33, Robert 31, John 30, Michael 30, David 25, William 24, Richard 17, Joseph 16,
Thomas 15, Christopher 14, Charles 14, Daniel 13, Matthew 12, Anthony 10, Mark 10, Donald 9,
Steven 9, Andrew 8, Paul 8, Joshua 8, Kenneth 8, Kevin 8, Brian 8, Timothy 7, Ronald 7,
George 7, Jason 7, Edward 7, Jeffrey 7, Ryan 6, Jacob 6, Gary 6, Nicholas 6, Eric 6,
Jonathan 6, Stephen 5, Larry 5, Justin 5, Scott 5, Brandon 5, Benjamin 5, Samuel 4,
Gregory 4, Alexander 4, Patrick 4, Frank 4, Raymond 4, Jack 4, Dennis 4, Jerry 4, Tyler 4,
Aaron 3, Henry 3, Douglas 3, Peter 3, Adam 3, Nathan 3, Zachary 3, Walter 3, Kyle 3,
Harold 3, Carl 3, Jeremy 3, Gerald 3, Keith 3, Roger 3, Arthur 3, Terry 3, Lawrence 3,
Sean 3, Christian 3, Ethan 3, Austin 3, Albert 2, Jesse 2, Willie 2, Bryan 2, Bruce 2,
Noah 2, Jordan 2, Dylan 2, Ralph 2, Roy 2, Alan 2, Wayne 2, Eugene 2, Louis 2, Russell 2,
Randy 2, Vincent 2, Philip 2, Logan 2, Harry 2, Howard 2, Liam 1, Mason 1, Connor 1,
Brendan 1, Declan 0.5, Kieran 0.5, Dominic 1, Mohammed 1, Ahmad 0.5, Tariq 0.3, René 0.3,
André 0.5, Jean-Paul 0.2, Gene 0.5
"""
_GENERAL_FEMALE = """
Mary 26, Patricia 11, Jennifer 11, Linda 11, Elizabeth 10, Barbara 10, Susan 9, Jessica 9,
Sarah 8, Karen 8, Lisa 8, Nancy 8, Betty 7, Sandra 7, Margaret 7, Ashley 7, Kimberly 6,
Emily 6, Donna 6, Michelle 6, Carol 6, Amanda 6, Melissa 6, Deborah 6, Stephanie 6,
Dorothy 5, Rebecca 5, Sharon 5, Laura 5, Cynthia 5, Amy 5, Kathleen 5, Angela 5, Shirley 5,
Brenda 5, Emma 4, Anna 4, Pamela 4, Nicole 4, Samantha 4, Katherine 4, Christine 4,
Helen 4, Debra 4, Rachel 4, Carolyn 4, Janet 4, Maria 4, Catherine 4, Heather 4, Diane 3,
Olivia 3, Julie 3, Joyce 3, Victoria 3, Ruth 3, Virginia 3, Lauren 3, Kelly 3, Christina 3,
Joan 3, Evelyn 3, Judith 3, Andrea 3, Hannah 3, Megan 3, Cheryl 3, Jacqueline 3, Martha 3,
Madison 3, Teresa 3, Gloria 3, Sara 3, Janice 3, Ann 3, Kathryn 3, Abigail 3, Sophia 3,
Frances 3, Jean 3, Alice 3, Judy 3, Isabella 2, Julia 2, Grace 2, Amber 2, Denise 2,
Danielle 2, Marilyn 2, Beverly 2, Charlotte 2, Natalie 2, Theresa 2, Diana 2, Brittany 2,
Doris 2, Kayla 2, Alexis 2, Lori 2, Marie 2, Alexandra 2, Bridget 1, Colleen 1, Maureen 1,
Erin 1, Caitlin 1, Siobhan 0.5, Renée 1, Zoë 0.5, Chloé 0.5, Noëlle 0.3, Mary-Kate 0.3,
Anne-Marie 0.5, Aaliyah 1, Fatima 0.5, Layla 0.5
"""
_HISPANIC_MALE = """
José 10, Juan 9, Luis 7, Carlos 7, Jesús 5, Miguel 5, Jorge 5, Antonio 5, Francisco 5,
Alejandro 4, Manuel 4, Ricardo 3, Roberto 3, Fernando 3, Javier 3, Eduardo 3, Raúl 2,
Ramón 2, Andrés 2, Sergio 2, Óscar 1.5, Héctor 2, Rubén 2, Pedro 3, Mario 3, Diego 3,
Martín 2, Alberto 2, Enrique 2, Víctor 2, Gabriel 2, Ángel 2, Adrián 1.5, Julio 1.5,
Jose 3, Jesus 2, Ruben 1, Hector 1, Raul 1
"""
_HISPANIC_FEMALE = """
María 10, Guadalupe 4, Rosa 4, Ana 5, Carmen 4, Juana 2, Sofía 3, Lucía 2, Isabel 3,
Elena 3, Gabriela 3, Adriana 3, Verónica 3, Patricia 3, Alejandra 3, Daniela 3, Mónica 2,
Claudia 3, Leticia 2, Yolanda 2, Teresa 2, Beatriz 2, Raquel 2, Marisol 2, Inés 1,
Araceli 1, Jimena 1, Valeria 2, Camila 2, Ximena 1, Natalia 2, Maria 4, Veronica 1
"""
_HISPANIC_LAST = """
Garcia 395, Rodriguez 366, Martinez 354, Hernandez 343, Lopez 298, Gonzalez 289, Perez 225,
Sanchez 206, Ramirez 188, Torres 148, Flores 146, Rivera 130, Gomez 125, Diaz 120,
Reyes 110, Morales 100, Cruz 100, Ortiz 95, Gutierrez 90, Chavez 90, Ramos 85, Ruiz 80,
Alvarez 80, Mendoza 75, Castillo 70, Jimenez 65, Vasquez 65, Moreno 65, Romero 65,
Herrera 65, Medina 60, Aguilar 60, Vargas 55, Castro 55, Guzman 50, Fernandez 50,
Muñoz 45, Peña 40, Núñez 30, Ibáñez 10, Rodríguez 30, Gómez 20, Hernández 25,
Martínez 25, García 25, Pérez 20, Sánchez 15, Díaz 15, Domínguez 20, Vázquez 15,
Estévez 5, Zúñiga 10, Cortés 10, Benítez 10, De La Cruz 15, De León 8
"""
_ASIAN_MALE = """
Minh 2, Anh 2, Tuan 2, Hung 2, Wei 3, Jun 2, Hiroshi 1, Kenji 1, Raj 3, Amit 3, Vikram 2,
Sanjay 2, Arjun 2, Rahul 2, Jin 2, Min-jun 1, Sung 1, Kevin 5, David 5, Daniel 4,
Andrew 3, Eric 3, Jason 3, Brian 2
"""
_ASIAN_FEMALE = """
Linh 2, Mai 2, Thao 2, Lan 2, Mei 3, Yuki 1, Priya 3, Anjali 2, Deepa 2, Sunita 2,
Ji-woo 1, Soo-jin 1, Grace 4, Jennifer 4, Michelle 4, Christine 3, Emily 3, Amy 3
"""
_ASIAN_LAST = """
Nguyen 147, Tran 60, Le 40, Pham 35, Huynh 20, Vo 15, Kim 105, Lee 150, Park 55, Choi 25,
Chen 80, Wang 75, Li 60, Zhang 40, Liu 40, Huang 30, Wu 35, Patel 90, Shah 40, Singh 60,
Kumar 35, Gupta 20, Sharma 20, Yamamoto 10, Tanaka 10, Nakamura 10, Sato 10, Wong 50,
Chang 45, Lin 30, Yang 40
"""
_GENERAL_LAST = """
Smith 828, Johnson 655, Williams 550, Brown 487, Jones 483, Miller 387, Davis 385,
Wilson 264, Anderson 263, Thomas 252, Taylor 251, Moore 240, Jackson 238, Martin 237,
Lee 233, Thompson 223, White 222, Harris 209, Clark 190, Lewis 183, Robinson 181,
Walker 179, Young 162, Allen 161, King 160, Wright 159, Scott 152, Hill 147, Green 145,
Adams 143, Nelson 142, Baker 140, Hall 137, Campbell 129, Mitchell 129, Carter 127,
Roberts 126, Phillips 117, Evans 116, Turner 115, Parker 112, Collins 109, Edwards 108,
Stewart 108, Morris 104, Murphy 102, Cook 101, Rogers 101, Morgan 93, Cooper 92,
Peterson 92, Bailey 91, Reed 91, Kelly 90, Howard 88, Cox 86, Ward 85, Richardson 84,
Watson 83, Brooks 82, Wood 82, James 81, Bennett 80, Gray 80, Hughes 77, Price 77,
Sanders 75, Myers 75, Long 74, Ross 74, Foster 73, Powell 72, Jenkins 72, Perry 71,
Russell 71, Sullivan 70, Bell 70, Coleman 70, Butler 69, Henderson 68, Barnes 68,
Fisher 66, Graham 62, Wallace 62, Hamilton 60, Ellis 60, Griffin 59, Marshall 59,
Owens 58, Harrison 58, McDonald 58, Woods 57, Washington 57, Kennedy 56, Wells 56,
Olson 55, Warren 55, Ryan 51, Hayes 51, Gibson 51, Ferguson 50, Stone 49, Hunt 49,
Murray 48, Ford 48, Mason 48, Dixon 48, Hunter 46, Palmer 45, Robertson 45, Black 45,
Holmes 44, Webb 44, Mills 43, Rose 43, Freeman 43, Wagner 42, Schmidt 41, Hoffman 36,
Schultz 35, Mueller 20, Müller 5, Kowalski 20, Nowak 15, Kowalczyk 10, Novak 20,
Lewandowski 15, Zielinski 10, Jankowski 10, Szymanski 10, Wojcik 10, Russo 25, Romano 20,
Esposito 15, Ricci 15, Bianchi 10, D'Angelo 10, DeLuca 10, O'Brien 35, O'Connor 30,
O'Neil 20, O'Neill 20, O'Sullivan 10, O'Donnell 15, O'Malley 10, McCarthy 30,
McLaughlin 15, Fitzgerald 25, Gallagher 20, Brennan 15, Doyle 20, Byrne 10, Quinn 20,
Kelley 20, Callahan 15, Boyle 15, Flanagan 10, Nolan 15, Haddad 15, Hamoud 8, Saleh 8,
Ali 20, Hassan 12, Khoury 8, Jean-Baptiste 5, Pierre 10, Lefèvre 3, Côté 5, Gagné 5,
Bélanger 5, Thibodeaux 8, LeBlanc 8, St. Pierre 5, Van Dyke 8, Van Buren 4, Vander Meer 3
"""


@dataclass(frozen=True)
class NameGroup:
    """One naming tradition: share of the population and index ranges into the vocabularies."""

    name: str
    share: float
    male: tuple[tuple[str, ...], tuple[float, ...]]
    female: tuple[tuple[str, ...], tuple[float, ...]]
    last: tuple[tuple[str, ...], tuple[float, ...]]


GROUPS: tuple[NameGroup, ...] = (
    NameGroup(
        "general", 0.75, _parse(_GENERAL_MALE), _parse(_GENERAL_FEMALE), _parse(_GENERAL_LAST)
    ),
    NameGroup(
        "hispanic",
        0.18,
        _parse(_HISPANIC_MALE),
        _parse(_HISPANIC_FEMALE),
        _parse(_HISPANIC_LAST),
    ),
    NameGroup("asian", 0.07, _parse(_ASIAN_MALE), _parse(_ASIAN_FEMALE), _parse(_ASIAN_LAST)),
)


def _vocab(parts: list[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for names in parts:
        for n in names:
            seen.setdefault(n, None)
    return tuple(seen)


FIRST_VOCAB: tuple[str, ...] = _vocab([g.male[0] for g in GROUPS] + [g.female[0] for g in GROUPS])
LAST_VOCAB: tuple[str, ...] = _vocab([g.last[0] for g in GROUPS])
FIRST_NAMES: Obj = objects(FIRST_VOCAB)
LAST_NAMES: Obj = objects(LAST_VOCAB)
_FIRST_INDEX = {n: i for i, n in enumerate(FIRST_VOCAB)}
_LAST_INDEX = {n: i for i, n in enumerate(LAST_VOCAB)}


def first_index(names: tuple[str, ...]) -> np.ndarray:
    """Vocabulary indices of given names."""
    return np.array([_FIRST_INDEX[n] for n in names], dtype=np.int64)


def last_index(names: tuple[str, ...]) -> np.ndarray:
    """Vocabulary indices of surnames."""
    return np.array([_LAST_INDEX[n] for n in names], dtype=np.int64)


MIDDLE_INITIALS = "AAABCDEEFGHJJJKLLMMMNPRRSSTW"

SALESPEOPLE: tuple[str, ...] = (
    "Mike Kowalski", "Dana Whitfield", "Tony Russo", "Sheila Grant", "Marcus Bell",
    "Lupe Hernández", "Kevin O'Rourke", "Priya Shah", "Derek Haddad", "Angela Brooks",
    "Ray Nowak", "Tasha Coleman",
)  # fmt: skip
ADVISORS: tuple[str, ...] = (
    "Steve Dombrowski", "Carla Jiménez", "Rick Thompson", "Jen Albright", "Omar Saleh",
    "Becky Lindqvist",
)  # fmt: skip
